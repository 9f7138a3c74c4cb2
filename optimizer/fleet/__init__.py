"""One plan across hubs: fleet inputs, the joint fluid LP (bound and master), transfers, per-hub day
MILPs through the plan service, the independent check and the fleet plan folder (docs/model.md, "Fleet")."""
