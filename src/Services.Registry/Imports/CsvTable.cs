using System.Text;

namespace Platform.Registry.Imports;

/// <summary>
/// A CSV file as rows of named cells (RFC 4180: comma-separated, double quotes around cells that
/// hold commas, quotes or line breaks, "" for a quote), UTF-8 with or without a BOM, header first.
/// Rows keep their line number in the file, for error reports.
/// </summary>
public sealed class CsvTable
{
    private CsvTable(IReadOnlyList<string> header, IReadOnlyList<CsvRow> rows)
    {
        Header = header;
        Rows = rows;
    }

    public IReadOnlyList<string> Header { get; }

    public IReadOnlyList<CsvRow> Rows { get; }

    /// <summary>Parses the text; throws <see cref="FormatException"/> naming the line when a quote is never closed.</summary>
    public static CsvTable Parse(string text)
    {
        var records = new List<(int Line, List<string> Cells)>();
        var cells = new List<string>();
        var cell = new StringBuilder();
        var line = 1;
        var recordLine = 1;
        var quoted = false;
        var start = text.Length > 0 && text[0] == '\uFEFF' ? 1 : 0;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    if (c == '\n')
                    {
                        line++;
                    }
                    cell.Append(c);
                }
                continue;
            }
            switch (c)
            {
                case '"' when cell.Length == 0:
                    quoted = true;
                    break;
                case ',':
                    cells.Add(cell.ToString());
                    cell.Clear();
                    break;
                case '\r':
                    break;
                case '\n':
                    cells.Add(cell.ToString());
                    cell.Clear();
                    records.Add((recordLine, cells));
                    cells = [];
                    line++;
                    recordLine = line;
                    break;
                default:
                    cell.Append(c);
                    break;
            }
        }
        if (quoted)
        {
            throw new FormatException($"Line {recordLine}: a quoted cell is never closed.");
        }
        if (cell.Length > 0 || cells.Count > 0)
        {
            cells.Add(cell.ToString());
            records.Add((recordLine, cells));
        }
        records.RemoveAll(r => r.Cells.All(string.IsNullOrWhiteSpace));
        if (records.Count == 0)
        {
            return new CsvTable([], []);
        }
        var header = records[0].Cells.Select(h => h.Trim().ToLowerInvariant()).ToList();
        var index = header.Select((name, i) => (name, i)).GroupBy(h => h.name).ToDictionary(g => g.Key, g => g.First().i, StringComparer.Ordinal);
        var rows = records.Skip(1).Select(r => new CsvRow(r.Line, index, r.Cells)).ToList();
        return new CsvTable(header, rows);
    }
}

/// <summary>One data row: cells by column name (trimmed; empty reads as null), and its line number.</summary>
public sealed class CsvRow(int line, IReadOnlyDictionary<string, int> columns, IReadOnlyList<string> cells)
{
    public int Line { get; } = line;

    public int CellCount => cells.Count;

    public string? this[string column] =>
        columns.TryGetValue(column, out var i) && i < cells.Count && cells[i].Trim() is { Length: > 0 } value ? value : null;

    /// <summary>
    /// The positions (from 1) of non-empty cells past the header's last column: an unquoted comma inside
    /// a cell splits it, and what follows would be lost without a word. Empty trailing cells are fine.
    /// </summary>
    public IEnumerable<int> CellsPastHeader(int headerCount) =>
        Enumerable.Range(headerCount, Math.Max(0, cells.Count - headerCount)).Where(i => cells[i].Trim().Length > 0).Select(i => i + 1);

    /// <summary>The columns whose cell holds a NUL character, which no text field can store.</summary>
    public IEnumerable<string> ColumnsWithNul() =>
        columns.Where(c => c.Value < cells.Count && cells[c.Value].Contains('\0')).OrderBy(c => c.Value).Select(c => c.Key);
}
