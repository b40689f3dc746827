// An indentation-aware text writer for generated C#: lines, blocks in braces, and multi-line raw text re-indented.
// Newlines are always "\n" so the output is byte-identical on every platform.
using System;
using System.Text;

namespace NetGen.Generator.Emit;

internal sealed class SourceWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _text = new();
    private int _indent;

    public void WriteLine(string line)
    {
        if (line.Length == 0)
        {
            _text.Append('\n');
            return;
        }
        for (int i = 0; i < _indent; i++) _text.Append(IndentUnit);
        _text.Append(line).Append('\n');
    }

    public void WriteLine() => _text.Append('\n');

    /// <summary>Writes every line of <paramref name="text"/> at the current indentation (for raw string literals).</summary>
    public void WriteLines(string text)
    {
        foreach (string line in text.Replace("\r\n", "\n").Split('\n'))
            WriteLine(line.TrimEnd());
    }

    public void Indent() => _indent++;

    public void Unindent()
    {
        if (_indent == 0) throw new InvalidOperationException("Unindent without a matching Indent.");
        _indent--;
    }

    /// <summary>Writes <paramref name="header"/> and an opening brace, indents, and on dispose unindents and writes the
    /// closing brace followed by <paramref name="closingSuffix"/> (e.g. ";" after an initializer).</summary>
    public Block WriteBlock(string header, string closingSuffix = "")
    {
        WriteLine(header);
        WriteLine("{");
        Indent();
        return new Block(this, closingSuffix);
    }

    public override string ToString() => _text.ToString();

    internal readonly struct Block : IDisposable
    {
        private readonly SourceWriter _writer;
        private readonly string _closingSuffix;

        public Block(SourceWriter writer, string closingSuffix)
        {
            _writer = writer;
            _closingSuffix = closingSuffix;
        }

        public void Dispose()
        {
            _writer.Unindent();
            _writer.WriteLine("}" + _closingSuffix);
        }
    }
}
