"""Built-in checks of the computer itself: os, cpu, memory, disk, power."""
