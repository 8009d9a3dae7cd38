"""The line y = w·x + b: loss and gradients, exact landscape, optimum, step sizes, script."""
