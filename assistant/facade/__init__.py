"""The parts of :class:`assistant.service.DocketService`, one concept per module."""
