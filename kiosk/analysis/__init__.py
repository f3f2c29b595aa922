"""Body analysis: pose, presence, the 360° turn and touchless gestures (no Qt here).

``pose`` wraps mediapipe and yields plain ``Pose`` objects; ``yaw``, ``turn``, ``presence`` and
``gestures`` are small trackers from poses to facts; ``video`` analyses a file offline and
``worker`` analyses the live camera. Definitions are in docs/ANALYSIS.md.
"""
