"""Files written and read whole: sessions and lessons."""
