"""The console's screens: queue, case detail, decision modals, audit, policy, health, help."""
