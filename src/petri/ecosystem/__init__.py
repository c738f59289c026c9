"""The ecosystem: code organisms on a spatial world (see ``petri.ecosystem.world``)."""
