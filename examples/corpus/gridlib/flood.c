/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Flood fill on a character grid. Copyright (C) 2023 Grid Authors. */
#include <stddef.h>

static void flood_fill(char *grid, size_t width, size_t height,
                       size_t x, size_t y, char from, char to)
{
    if (x >= width || y >= height) return;
    if (grid[y * width + x] != from || from == to) return;
    grid[y * width + x] = to;
    if (x > 0) flood_fill(grid, width, height, x - 1, y, from, to);
    flood_fill(grid, width, height, x + 1, y, from, to);
    if (y > 0) flood_fill(grid, width, height, x, y - 1, from, to);
    flood_fill(grid, width, height, x, y + 1, from, to);
}
