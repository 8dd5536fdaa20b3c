"""One function parses printed amounts and one writes them (issue 12): `parse_amount` (with
`parse_amount_places`, the same parser returning the printed decimals too) and `format_amount`, both in
pipeline/text.py. A search of the code finds no second one; the sentence rules read amounts in the same grammar."""
from __future__ import annotations

import ast
import random
import re
from decimal import Decimal
from pathlib import Path

import pytest

from pipeline.text import AMOUNT_IN_TEXT, format_amount, parse_amount, parse_amount_places

PIPELINE = Path(__file__).resolve().parent.parent / "pipeline"
HOME = PIPELINE / "text.py"  # where the parser and the formatter live


def _modules():
    for path in sorted(PIPELINE.rglob("*.py")):
        if path != HOME:
            yield path, ast.parse(path.read_text(encoding="utf-8"), str(path))


# what makes a value text: a string method, str(), an f-string
_TEXT_OPS = {"replace", "strip", "lstrip", "rstrip", "group", "split", "translate", "join", "removeprefix",
             "removesuffix", "lower", "upper", "format"}


def _is_text(expr: ast.AST, names: set[str]) -> bool:
    for node in ast.walk(expr):
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Name) and node.id in names):
            return True
        if isinstance(node, ast.Call) and ((isinstance(node.func, ast.Attribute) and node.func.attr in _TEXT_OPS)
                                           or (isinstance(node.func, ast.Name) and node.func.id == "str")):
            return True
    return False


def _numbers(fn: ast.AST) -> set[str]:
    """Names a function checks to be numbers before use: isinstance(v, (Decimal, int))."""
    out = set()
    for node in ast.walk(fn):
        if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance" and len(node.args) == 2
                and isinstance(node.args[0], ast.Name)):
            types = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
            if any(getattr(t, "id", "") in ("Decimal", "int") for t in types):
                out.add(node.args[0].id)
    return out


def _text_names(fn: ast.AST) -> set[str]:
    """Names a function binds to text (digits = m.group(1).replace(",", ""); a, b = s.strip(), …), except
    those it checks to be numbers before use."""
    names: set[str] = set()
    assigns = [n for n in ast.walk(fn) if isinstance(n, ast.Assign)]
    for _ in range(3):  # text passed on through other names
        for a in assigns:
            for target in a.targets:
                if isinstance(target, ast.Name) and _is_text(a.value, names):
                    names.add(target.id)
                elif isinstance(target, ast.Tuple) and isinstance(a.value, ast.Tuple):
                    names |= {t.id for t, v in zip(target.elts, a.value.elts)
                              if isinstance(t, ast.Name) and _is_text(v, names)}
    return names - _numbers(fn)


def test_no_second_amount_parser():
    """Outside text.py no Decimal is made from text (a string method's result, str(), an f-string, or a name
    bound to one): printed amounts become Decimals through parse_amount alone."""
    found = []
    for path, tree in _modules():
        for fn in ast.walk(tree):
            if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
                continue
            names = _text_names(fn)
            for node in ast.walk(fn):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Decimal"
                        and node.args and not isinstance(node.args[0], ast.Constant) and _is_text(node.args[0], names)):
                    found.append(f"{path.relative_to(PIPELINE.parent)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, "amounts parsed outside pipeline.text.parse_amount:\n" + "\n".join(sorted(set(found)))


def test_the_search_finds_a_parser_written_again():
    """The search above is not blind: the shapes the old parsers had are found."""
    for code in ('def f(m):\n    digits = m.group(1).replace(",", "")\n    return Decimal(digits)\n',
                 'def f(text):\n    s = str(text).strip()\n    return Decimal(s) if s else None\n',
                 'def f(a):\n    number, unit = a.group(1).replace(",", ""), a.group(2)\n    return Decimal(number)\n'):
        fn = ast.parse(code).body[0]
        names = _text_names(fn)
        calls = [n for n in ast.walk(fn) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "Decimal"]
        assert calls and all(_is_text(c.args[0], names) for c in calls), code
    clean = ast.parse('def f(v):\n    return Decimal(v) + Decimal("0.005")\n').body[0]
    assert not any(_is_text(c.args[0], _text_names(clean)) for c in ast.walk(clean)
                   if isinstance(c, ast.Call) and getattr(c.func, "id", "") == "Decimal")


def test_no_second_amount_formatter():
    """Outside text.py no f-string writes a number grouped to fixed decimals ({x:,.2f}) or a quantized value:
    amounts are written by format_amount alone."""
    found = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.FormattedValue):
                spec = ast.unparse(node.format_spec) if node.format_spec else ""
                quantized = any(isinstance(n, ast.Attribute) and n.attr == "quantize" for n in ast.walk(node.value))
                if re.search(r",\.\d*f", spec) or quantized:
                    found.append(f"{path.relative_to(PIPELINE.parent)}:{node.lineno}: {ast.unparse(node)}")
    assert not found, "amounts formatted outside pipeline.text.format_amount:\n" + "\n".join(found)


@pytest.mark.parametrize("value, places, shown", [
    (Decimal("1234.565"), 2, "1,234.56"),  # half to even, as the package's readers expect
    (Decimal("1234.575"), 2, "1,234.58"),
    (Decimal("-16201400"), 2, "-16,201,400.00"),
    (Decimal("0.5"), 0, "0"),
    (None, 2, "—"),
])
def test_format_amount(value, places, shown):
    assert format_amount(value, places) == shown


def test_sentence_grammar_is_the_cell_grammar():
    """Whatever the in-sentence pattern takes as a whole number, parse_amount reads, to the same printed
    decimals; a misprinted group (12,34) is no amount, and no piece of it is one."""
    rnd = random.Random(12)
    alphabet = "0123456789,.-"
    for _ in range(20000):
        s = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 12)))
        if re.fullmatch(AMOUNT_IN_TEXT, s):
            got = parse_amount_places(s)
            assert got is not None, s
            assert got[0] == Decimal(s.replace(",", "")) and got[1] == (len(s.split(".")[1]) if "." in s else 0), s
    money = re.compile(rf"({AMOUNT_IN_TEXT})\s*(万元|元)")
    assert [m.group(1) for m in money.finditer("收入1,620.14万元，支出12,34万元，结余3万元,另2,000元")] == \
        ["1,620.14", "3", "2,000"]
    assert parse_amount("12,34") is None and parse_amount("1,234.50") == Decimal("1234.50")


def test_decimal_problem_is_the_declared_rule():
    """decimal_problem tells most amounts at once; it must agree with the rule taken apart (decimals beyond
    the scale that are not all zeros, then more digits before the point than precision - scale) on edge and
    random amounts, in 元 and in 万元 restated."""
    from pipeline.schema import decimal_problem, load_schema

    dec = load_schema()[0]["decimal"]
    room = dec["precision"] - dec["scale"]

    def rule(value: Decimal) -> str | None:
        if not value.is_finite():
            return "finite"
        if value.as_tuple().exponent < -dec["scale"] and value != value.quantize(Decimal(1).scaleb(-dec["scale"])):
            return "decimal places"
        return "digits before" if value.adjusted() + 1 > room else None

    rng = random.Random(16)
    texts = ["0", "-0", "0.00001", "1.00000", "12.3456", "12.34567", "12.345670", "9" * room, "1" + "0" * room,
             "9" * (room - 1) + ".99995", "-" + "9" * room + ".5"]
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 30)))
        cut = rng.randint(1, len(digits))
        texts.append(rng.choice(["", "-"]) + digits[:cut] + ("." + digits[cut:] if cut < len(digits) else ""))
    for text in texts:
        for factor in (Decimal(1), Decimal(10000)):
            value = parse_amount(text) * factor
            got = decimal_problem(value)
            want = rule(value)
            assert (want is None and got is None) or (want and got and want in got), (text, factor, got, want)
            # told the printed decimals (as the facts stage tells it), the same answer
            assert decimal_problem(value, parse_amount_places(text)[1]) == got, (text, factor)
    assert decimal_problem(Decimal("Infinity")) == "not a finite number"


def test_codes_are_told_as_their_grammar_says():
    """is_code and split_code tell a classification code without running the regex on every cell; they must
    agree with the declared grammar (3, 5, 6 or 7 digits) on random cells of digits, fullwidth and Arabic-Indic
    digits, spaces, dashes and words."""
    from pipeline.text import _CODE, _CODE_PREFIX, is_code, split_code

    rng = random.Random(9)
    alphabet = "0123456789０１٣ \t-－—年万元.项"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        assert is_code(text) == bool(_CODE.match(text.strip())), text
        m = _CODE_PREFIX.match(text.strip())
        want = (m.group(1), m.group(2).strip()) if m and not m.group(2).startswith(("年", "月", "日", "万", "元", "%", ".")) \
            else ("", text)
        assert split_code(text) == want, text
