"""Reports: the nightly usage snapshots of each resource."""
