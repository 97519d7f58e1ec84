"""The annotation model: coordinates that survive any view, and undo/redo that never loses or
invents a mark."""

from __future__ import annotations

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from advisor_app.annotations.model import AnnotationModel, View
from advisor_app.protocol.documents import MarkAdd, MarkErase, PageClear, PinMark, StrokeMark

units = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
sizes = st.floats(min_value=10.0, max_value=20_000.0, allow_nan=False)
offsets = st.floats(min_value=-50_000.0, max_value=50_000.0, allow_nan=False)
views = st.builds(View, offsets, offsets, sizes, sizes)


@given(x=units, y=units, first=views, second=views)
def test_a_point_lands_on_the_same_content_in_any_view(
    x: float, y: float, first: View, second: View
) -> None:
    # Drawn in one view (the advisor's), shown in another (the customer's, zoomed and panned).
    px, py = first.place(x, y)
    nx, ny = first.normalise(px, py)
    assert abs(nx - x) < 1e-9 and abs(ny - y) < 1e-9
    qx, qy = second.place(nx, ny)
    back = second.normalise(qx, qy)
    assert abs(back[0] - x) < 1e-9 and abs(back[1] - y) < 1e-9


@given(view=views, px=offsets, py=offsets)
def test_points_outside_the_page_are_clamped_to_its_edge(view: View, px: float, py: float) -> None:
    x, y = view.normalise(px, py)
    assert 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0


def snapshot(model: AnnotationModel) -> dict[int, dict[str, bytes]]:
    return {
        page: {mark_id: msgspec.json.encode(mark) for mark_id, mark in marks.items()}
        for page, marks in model.pages.items()
        if marks
    }


operation = st.one_of(
    st.tuples(st.just("stroke"), st.integers(0, 2), units, units),
    st.tuples(st.just("pin"), st.integers(0, 2), units, units),
    st.tuples(st.just("erase"), st.integers(0, 2), st.integers(0, 20), st.just(0.0)),
    st.tuples(st.just("clear"), st.integers(0, 2), st.just(0.0), st.just(0.0)),
)


def apply(model: AnnotationModel, op: tuple[str, int, float, float]) -> None:
    kind, page, a, b = op
    if kind == "stroke":
        stroke, _ = model.begin_stroke(page, "pen", "#c0392b", 0.004, (a, b))
        model.extend_stroke(page, stroke.mark_id, [(b, a), (a, a)])
    elif kind == "pin":
        if len(model.marks(page)) < 90:
            model.add_pin(page, a, b, "Zinssatz")
    elif kind == "erase":
        marks = model.marks(page)
        if marks:
            model.erase(page, marks[int(a) % len(marks)].mark_id)
    else:
        model.clear(page)


@settings(max_examples=200, deadline=None)
@given(ops=st.lists(operation, max_size=25))
def test_undo_everything_then_redo_everything_restores_each_state(
    ops: list[tuple[str, int, float, float]],
) -> None:
    model = AnnotationModel()
    states = [snapshot(model)]
    changes = 0
    for op in ops:
        before = model.can_undo and len(model._undo)
        apply(model, op)
        if len(model._undo) != before:
            states.append(snapshot(model))
            changes += 1
    for expected in reversed(states[:-1]):
        model.undo()
        assert snapshot(model) == expected
    assert not model.can_undo
    for expected in states[1:]:
        model.redo()
        assert snapshot(model) == expected
    assert not model.can_redo


def test_a_new_change_after_undo_drops_the_redo_history() -> None:
    model = AnnotationModel()
    model.add_pin(0, 0.1, 0.1)
    model.undo()
    assert model.can_redo
    model.add_pin(0, 0.2, 0.2)
    assert not model.can_redo


def test_erase_by_id_removes_only_that_mark_and_is_mirrored() -> None:
    model = AnnotationModel()
    first, _ = model.add_pin(0, 0.1, 0.1, "Zinssatz")
    second, _ = model.add_pin(0, 0.5, 0.5, "Laufzeit")
    stroke, _ = model.begin_stroke(0, "highlighter", "#ffd400", 0.02, (0.2, 0.2))
    messages = model.erase(0, second.mark_id)
    assert messages == [MarkErase(page_index=0, mark_id=second.mark_id)]
    assert [m.mark_id for m in model.marks(0)] == [first.mark_id, stroke.mark_id]
    assert model.erase(0, "no-such-mark") == []
    assert model.erase(1, first.mark_id) == []  # ids belong to their page


def test_pins_are_numbered_per_page_and_reuse_freed_numbers() -> None:
    model = AnnotationModel()
    one, _ = model.add_pin(0, 0.1, 0.1)
    two, _ = model.add_pin(0, 0.2, 0.2)
    other, _ = model.add_pin(1, 0.2, 0.2)
    assert (one.number, two.number, other.number) == (1, 2, 1)
    model.erase(0, one.mark_id)
    again, _ = model.add_pin(0, 0.3, 0.3)
    assert again.number == 1


def test_undo_of_clear_brings_every_mark_back_and_tells_the_customer() -> None:
    model = AnnotationModel()
    pin, _ = model.add_pin(0, 0.1, 0.1)
    stroke, _ = model.begin_stroke(0, "pen", "#1f5fbf", 0.004, (0.3, 0.3))
    model.extend_stroke(0, stroke.mark_id, [(0.4, 0.4), (0.5, 0.6)])
    assert model.clear(0) == [PageClear(page_index=0)]
    page, messages = model.undo()
    assert page == 0
    restored = {m.mark.mark_id: m.mark for m in messages if isinstance(m, MarkAdd)}
    assert set(restored) == {pin.mark_id, stroke.mark_id}
    assert isinstance(restored[stroke.mark_id], StrokeMark)
    assert restored[stroke.mark_id].points == [(0.3, 0.3), (0.4, 0.4), (0.5, 0.6)]
    assert isinstance(restored[pin.mark_id], PinMark)


def test_long_strokes_are_sent_in_bounded_messages() -> None:
    model = AnnotationModel()
    stroke, _ = model.begin_stroke(0, "pen", "#111111", 0.002, (0.0, 0.0))
    points = [(i / 2000, i / 2000) for i in range(1300)]
    messages = model.extend_stroke(0, stroke.mark_id, points)
    assert [len(m.points) for m in messages] == [512, 512, 276]  # type: ignore[union-attr]
    assert len(model.marks(0)[0].points) == 1301  # type: ignore[union-attr]
