"""What gitagent prints from outside text: escapes shown, never obeyed; `one_line` keeps it on one line."""

from gitagent.printable import one_line, printable

HOSTILE = "ok\x1b[2J\x1b]52;c;eA==\x07 \u202eevil \udcff\x1b[31mred\x1b[0m"


def test_printable_shows_escapes_and_keeps_lines() -> None:
    assert printable(f"{HOSTILE}\nnext\r\nlast\tcol") == (
        "ok\\x1b[2J\\x1b]52;c;eA==\\x07 \\u202eevil \\xffred\nnext\nlast\tcol"
    )


def test_one_line_is_printable_on_one_line() -> None:
    assert one_line(f"{HOSTILE}\nnext\r\nlast\tcol") == (
        "ok\\x1b[2J\\x1b]52;c;eA==\\x07 \\u202eevil \\xffred\\nnext\\nlast\\tcol"
    )
    assert one_line("plain text, café") == "plain text, café"
