"""Activists and success stories in chat: /volunteer, the representatives' buttons,
/activists and /relay, /zoneissues for activists, and the riders' answer to a story."""
