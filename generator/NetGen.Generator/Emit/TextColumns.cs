// Aligns rows of cells into columns for the tables that generated comments print (layer table, gradient plan).
using System.Collections.Generic;

namespace NetGen.Generator.Emit;

internal static class TextColumns
{
    /// <summary>Each row's cells padded to their column's widest cell and joined by two spaces.</summary>
    public static IEnumerable<string> Align(List<string[]> rows, bool[] rightAligned)
    {
        var widths = new int[rightAligned.Length];
        foreach (var row in rows)
            for (int c = 0; c < row.Length; c++)
                if (row[c].Length > widths[c]) widths[c] = row[c].Length;

        foreach (var row in rows)
        {
            var cells = new string[row.Length];
            for (int c = 0; c < row.Length; c++)
                cells[c] = rightAligned[c] ? row[c].PadLeft(widths[c]) : row[c].PadRight(widths[c]);
            yield return string.Join("  ", cells);
        }
    }
}
