"""What the views draw, computed without Qt: plot arithmetic, contours, landscape frames."""
