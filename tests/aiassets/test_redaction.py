"""imaging.redact: faces pixelated beyond recognition inside the box, nothing changed outside."""

from __future__ import annotations

import numpy as np
from PIL import Image
from skimage import data as skimage_data  # a dev requirement: it ships the test photo

from aiassets import imaging


def astronaut() -> Image.Image:
    return Image.fromarray(skimage_data.astronaut())  # a real face, shipped by scikit-image


FACE = (173 / 512, 82 / 512, 102 / 512, 98 / 512)  # NudeNet's FACE_FEMALE box on it


def test_inside_changes_and_outside_stays_identical():
    original = astronaut()
    redacted = imaging.redact(original, [FACE], margin=0.25)
    a, b = np.asarray(original, np.int16), np.asarray(redacted, np.int16)
    x, y, w, h = (round(v * 512) for v in FACE)
    inside = np.abs(a[y : y + h, x : x + w] - b[y : y + h, x : x + w])
    assert inside.mean() > 10, "the face region is visibly different"
    grown = (x - w // 4 - 1, y - h // 4 - 1, x + w + w // 4 + 2, y + h + h // 4 + 2)
    mask = np.ones(a.shape[:2], bool)
    mask[max(0, grown[1]) : grown[3], max(0, grown[0]) : grown[2]] = False
    assert np.array_equal(a[mask], b[mask]), "nothing outside the grown box changes"
    assert np.array_equal(np.asarray(astronaut()), np.asarray(original)), "input untouched"


def test_the_face_cannot_be_recognised():
    """At most 6 distinct cells across the face: detail is gone (no edges inside the cells)."""
    redacted = imaging.redact(astronaut(), [FACE], margin=0.0, blocks=6)
    x, y, w, h = (round(v * 512) for v in FACE)
    face = np.asarray(redacted.convert("L"))[y : y + h, x : x + w]
    rows = {tuple(r) for r in face}
    assert len(rows) <= 7  # six cell rows (plus a partial one at the edge)
    assert len(np.unique(face)) <= 49
    detail = np.asarray(astronaut().convert("L"))[y : y + h, x : x + w]
    assert len(np.unique(detail)) > 100


def test_boxes_at_the_edge_and_tiny_boxes():
    im = astronaut()
    out = imaging.redact(im, [(0.95, 0.95, 0.2, 0.2), (0.5, 0.5, 0.0001, 0.0001)])
    assert out.size == im.size
    assert not np.array_equal(np.asarray(out)[-5:, -5:], np.asarray(im)[-5:, -5:])


def test_signature_is_stable_and_order_free():
    a = imaging.faces_signature([(0.1, 0.2, 0.3, 0.4), (0.5, 0.5, 0.1, 0.1)])
    b = imaging.faces_signature([(0.5, 0.5, 0.1, 0.1), (0.1, 0.2, 0.3, 0.4)])
    assert a == b and a != imaging.faces_signature([(0.1, 0.2, 0.3, 0.4)])
