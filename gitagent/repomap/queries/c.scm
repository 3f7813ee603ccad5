; gitagent's additions to the wheel's tags.scm, which has definitions only: calls and type uses.

(call_expression function: (identifier) @name) @reference.call

(type_identifier) @name @reference.type
