"""The audit trail: who changed what, when, for any record that managers change."""
