"""Signal building blocks of the sound bank, independent of any one recipe."""
