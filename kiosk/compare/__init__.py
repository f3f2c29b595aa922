"""Side-by-side comparison of looks, aligned by body angle (no Qt; heavy libraries imported lazily).

Every pane shows the same side of the body at the same moment: a shared body yaw drives all
panes, and each pane shows its frame nearest to that yaw. The pieces, from pure to I/O:

- ``track``: a look's yaw track (``[[t, yaw, rotation, confidence], ...]``) read from wherever it
  comes from (the library, the live detector's samples), cleaned and checked.
- ``anglemap``: "the frame time nearest to body angle A" for one look, pure and O(1) per query
  (``static/anglemap.js`` is the same mapping for the associate console).
- ``timeline``: one full turn of a shared angle over N output frames; each pane's source time per
  frame and the angle gap between the panes, in ``angle`` or ``time`` alignment.
- ``panes``: what a pane is (video, track, turn, caption) and how a pane is made from a video
  path or a look in the library (analysing videos that have no stored track).
- ``decode``: the one module that drives PyAV for comparisons: decodes a video once, keeping
  downscaled frames at the wanted times only.
- ``render``: composes the panes into one H.264 MP4 (``kiosk compare``, the comparison API).
- ``proxy`` and ``session``: ``CompareSession``, the in-memory scrub proxy that the mirror's
  comparison view reads (frames for angle A in O(1), decoded ahead on a worker thread).
- ``jobs``: the bounded background renderer behind the HTTP comparison resource.
"""
