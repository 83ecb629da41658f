"""HTTP: the JSON API and the static pages. Knows nothing of OpenCV or SQL."""
