"""Marks ahead of loss (annotations/tail.py and the receiver's rules in mirror.SharedView):
whatever the unordered channel loses, repeats or reorders, and wherever its messages fall
between the reliable channel's, the customer ends with exactly the advisor's marks, in the
advisor's order, each stroke's points in order."""

from __future__ import annotations

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor_app.annotations.mirror import SharedView
from advisor_app.annotations.model import AnnotationModel
from advisor_app.annotations.tail import TAIL_SENDS, TailEncoder
from advisor_app.protocol import documents as dc

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(dc.AdvisorChannelMessage)

unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
point = st.tuples(unit, unit)
operation = st.one_of(
    st.tuples(st.just("begin"), point),
    st.tuples(st.just("extend"), st.lists(point, min_size=1, max_size=6)),
    st.tuples(st.just("extend"), st.lists(point, min_size=1, max_size=6)),
    st.tuples(st.just("extend"), st.lists(point, min_size=1, max_size=6)),
    st.tuples(st.just("erase"), st.integers(min_value=0, max_value=9)),
    st.tuples(st.just("undo"), st.none()),
    st.tuples(st.just("redo"), st.none()),
    st.tuples(st.just("clear"), st.none()),
    st.tuples(st.just("pin"), point),
)


def wire(message: object) -> dc.AdvisorChannelMessage:
    """Through JSON, as on the channel (and validated as the customer's side does)."""
    return _decoder.decode(_encoder.encode(message))


def draw_session(ops: list[tuple[str, object]], repeats: list[int]):
    """The advisor's side: the model, the reliable messages in order and the tails sent (the
    last one repeated as DocumentShare does at the stroke's end)."""
    model = AnnotationModel()
    tails = TailEncoder()
    reliable: list[object] = []
    fast: list[object] = []
    current: str | None = None
    for index, (kind, arg) in enumerate(ops):
        if kind == "begin":
            stroke, messages = model.begin_stroke(0, "pen", "#1f5fbf", 0.004, arg)  # type: ignore[arg-type]
            current = stroke.mark_id
            fast.append(tails.tail(0, stroke, 1))
            reliable += messages
        elif kind == "extend" and current is not None:
            messages = model.extend_stroke(0, current, list(arg))  # type: ignore[arg-type]
            stroke = model.pages.get(0, {}).get(current)
            if messages and isinstance(stroke, dc.StrokeMark):
                fast.append(tails.tail(0, stroke, len(arg)))  # type: ignore[arg-type]
            reliable += messages
        elif kind == "pin":
            try:
                _, messages = model.add_pin(0, *arg)  # type: ignore[misc]
            except ValueError:
                messages = []
            reliable += messages
        else:
            tails.forget()
            if kind == "erase":
                marks = model.marks(0)
                if marks:
                    reliable += model.erase(0, marks[int(arg) % len(marks)].mark_id)  # type: ignore[call-overload]
            elif kind == "undo":
                reliable += model.undo()[1]
            elif kind == "redo":
                reliable += model.redo()[1]
            elif kind == "clear":
                reliable += model.clear(0)
        if tails.last is not None and fast and fast[-1] is tails.last:
            fast += [tails.last] * repeats[index % len(repeats)]
    return model, reliable, fast


def end_state(marks: dict[str, dc.Mark] | list[dc.Mark]):
    values = marks.values() if isinstance(marks, dict) else marks
    return [msgspec.to_builtins(mark) for mark in values]


@settings(max_examples=300, deadline=None)
@given(
    ops=st.lists(operation, min_size=1, max_size=40),
    repeats=st.lists(st.integers(min_value=0, max_value=2), min_size=1, max_size=5),
    data=st.data(),
)
def test_any_loss_and_reorder_of_tails_ends_in_the_advisors_marks(ops, repeats, data) -> None:
    model, reliable, fast = draw_session(ops, repeats)
    # Each tail is lost or arrives somewhere among the reliable messages, in any order.
    arriving = [
        (data.draw(st.integers(0, len(reliable)), label="position"), n)
        for n, kept in enumerate(
            data.draw(st.lists(st.booleans(), min_size=len(fast), max_size=len(fast)), label="kept")
        )
        if kept
    ]
    order = data.draw(st.permutations(arriving), label="order")
    schedule: list[object] = []
    for position, message in enumerate([*reliable, None]):
        schedule += [fast[n] for at, n in order if at == position]
        if message is not None:
            schedule.append(message)

    view = SharedView()
    for message in schedule:
        view.apply(wire(message))
        # Shown strokes only ever hold their points in order: a prefix of the advisor's.
        for mark in view.marks.values():
            if isinstance(mark, dc.StrokeMark):
                full = next((m for m in model.marks(0) if m.mark_id == mark.mark_id), None)
                if isinstance(full, dc.StrokeMark):
                    assert [tuple(p) for p in mark.points] == [
                        tuple(p) for p in full.points[: len(mark.points)]
                    ]
    assert end_state(view.marks) == end_state(model.marks(0))
    assert view.pending == {}


@given(st.lists(st.lists(point, min_size=1, max_size=5), min_size=1, max_size=30))
def test_each_tail_repeats_the_last_sends_points_with_their_indices(batches) -> None:
    model = AnnotationModel()
    tails = TailEncoder()
    stroke, _ = model.begin_stroke(0, "highlighter", "#ffd400", 0.02, batches[0][0])
    sizes = [1]
    tail = tails.tail(0, stroke, 1)
    for batch in batches:
        model.extend_stroke(0, stroke.mark_id, batch)
        sizes.append(len(batch))
        tail = tails.tail(0, stroke, len(batch))
        expected = min(sum(sizes[-TAIL_SENDS:]), dc.TAIL_POINTS_MAX)
        assert tail.start == len(stroke.points) - expected
        assert tail.points == stroke.points[tail.start :]
        assert (tail.tool, tail.colour, tail.width) == ("highlighter", "#ffd400", 0.02)


def test_a_late_tail_does_not_bring_back_an_erased_stroke() -> None:
    model = AnnotationModel()
    tails = TailEncoder()
    stroke, begin = model.begin_stroke(0, "pen", "#c0392b", 0.004, (0.1, 0.1))
    late = tails.tail(0, stroke, 1)
    view = SharedView()
    for message in [*begin, *model.erase(0, stroke.mark_id), late]:
        view.apply(wire(message))
    assert view.marks == {}


def test_a_tail_alone_begins_the_stroke_and_a_gap_waits_for_the_reliable_channel() -> None:
    model = AnnotationModel()
    tails = TailEncoder(sends=1)
    stroke, begin = model.begin_stroke(0, "pen", "#c0392b", 0.004, (0.1, 0.1))
    first = tails.tail(0, stroke, 1)
    extends = model.extend_stroke(0, stroke.mark_id, [(0.2, 0.2)])
    tails.tail(0, stroke, 1)  # lost
    extends += model.extend_stroke(0, stroke.mark_id, [(0.3, 0.3)])
    third = tails.tail(0, stroke, 1)
    view = SharedView()
    view.apply(wire(first))
    view.apply(wire(third))
    shown = view.marks[stroke.mark_id]
    assert isinstance(shown, dc.StrokeMark)
    assert shown.points == [(0.1, 0.1)]  # (0.3, 0.3) waits behind the lost point
    for message in [*begin, *extends]:
        view.apply(wire(message))
    assert shown.points == [(0.1, 0.1), (0.2, 0.2), (0.3, 0.3)]
    assert view.pending == {}
