"""The use cases behind :class:`assistant.service.DocketService`, one concept per module.

Reading order: :mod:`.context` (what they share), :mod:`.intake` (input → case),
:mod:`.deciding`, :mod:`.explaining`, :mod:`.reading`, :mod:`.policy`, :mod:`.models`,
:mod:`.monitoring`, :mod:`.evaluation`, :mod:`.maintenance`.
"""
