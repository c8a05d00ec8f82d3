"""What the web desk asks that no other use case does: filtered lists, counts, search, the
audit trail and member figures. Each scoped to the zones the asking person serves."""
