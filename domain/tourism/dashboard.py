"""A spot's dashboard for its staff: today's sold, inside, and the level over time (strand A4)."""
