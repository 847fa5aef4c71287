"""Order review: rules, the engine that turns their findings into a verdict, built-in rules."""
