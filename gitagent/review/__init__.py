"""`gitagent review`: a pre-merge reviewer for CI that records its work as a gitagent conversation.

See docs/review.md. `runner.run_review` is the entry point; `formats` renders a `report.Review`;
`github` and `gitlab` post it.
"""
