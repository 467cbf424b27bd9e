using Grader.Submissions;

namespace Grader.Submissions.Tests;

/// <summary>Student-controlled text on its way into a report: capped, one line, nothing hidden or reordered.</summary>
public class StudentTextTests
{
    [Test]
    public void A_megabyte_message_is_cut_to_300_characters_with_an_ellipsis()
    {
        var shown = StudentText.Show(new string('x', 1 << 20));
        Assert.That(shown, Has.Length.EqualTo(StudentText.MaxShownChars + 1));
        Assert.That(shown, Does.EndWith("…"));
    }

    [Test]
    public void Short_text_is_left_as_it_is()
    {
        Assert.That(StudentText.Show("shapes [2, 3] and [4, 5] differ"), Is.EqualTo("shapes [2, 3] and [4, 5] differ"));
        Assert.That(StudentText.Show("µ ± σ → 😀 ok"), Is.EqualTo("µ ± σ → 😀 ok"));
    }

    [TestCase("\u001b[2J\u001b[31mfull marks", "\\u001B[2J\\u001B[31mfull marks")]
    [TestCase("abc\u202Etxt.cs", "abc\\u202Etxt.cs")]
    [TestCase("\u2066isolated\u2069 \u200Eltr\u200F", "\\u2066isolated\\u2069 \\u200Eltr\\u200F")]
    [TestCase("zero\u200Bwidth\u200C\u200D\uFEFF\u2060", "zero\\u200Bwidth\\u200C\\u200D\\uFEFF\\u2060")]
    [TestCase("bell\u0007 nul\0 c1\u009b", "bell\\u0007 nul\\0 c1\\u009B")]
    [TestCase("tag\U000E0041\U000E0042", "tag\\U000E0041\\U000E0042")]
    [TestCase("line\r\nbreaks\tand\u2028separators", "line breaks and\\u2028separators")]
    public void Hidden_and_control_characters_are_shown_escaped(string text, string expected)
        => Assert.That(StudentText.Show(text), Is.EqualTo(expected));

    [Test]
    public void A_lone_surrogate_is_shown_escaped()
        => Assert.That(StudentText.Show("lone" + (char)0xD800 + " surrogate"), Is.EqualTo("lone\\uD800 surrogate"));

    [Test]
    public void The_cap_never_cuts_an_escape_in_half()
    {
        var shown = StudentText.Show(new string('a', 297) + "\u202E\u202E");
        Assert.That(shown, Is.EqualTo(new string('a', 297) + "…"));
    }

    [Test]
    public void Libtorch_native_stack_is_cut()
    {
        const string message = "shape '[2, 3]' is invalid for input of size 5\nException raised from computeStride at /pytorch/aten/src/ATen/TensorUtils.cpp:123 (most recent call first):\nframe #0: c10::Error::Error(...) + 0x9c (0x7f in libc10.so)\nframe #1: ...";
        Assert.That(StudentText.Show(message), Is.EqualTo("shape '[2, 3]' is invalid for input of size 5"));
        Assert.That(StudentText.Show("bad\nframe #0: c10::Error + 0x1\nframe #1: x"), Is.EqualTo("bad"));
    }

    [Test]
    public void A_stack_keeps_its_lines_and_escapes_the_rest()
    {
        var shown = StudentText.ShowLines("   at A.B()\n   at \u202EC.D()");
        Assert.That(shown, Is.EqualTo("   at A.B()\n   at \\u202EC.D()"));
    }

    [Test]
    public void A_log_keeps_its_lines_and_tabs_but_not_terminal_escapes()
        => Assert.That(StudentText.ShowLog("epoch\t1\r\nloss 0.5\u001b[1A\rfake line\n"), Is.EqualTo("epoch\t1\nloss 0.5\\u001B[1A\nfake line\n"));

    [Test]
    public void Names_escape_line_breaks_too()
        => Assert.That(StudentText.ShowName("a\nb\u202E.cs"), Is.EqualTo("a\\u000Ab\\u202E.cs"));

    [TestCase("Model.cs", null)]
    [TestCase("Modèle 😀.cs", null)]
    [TestCase("README\u202Etxt.cs", 0x202E)]
    [TestCase("x\U000E0041", 0xE0041)]
    public void First_hidden_character(string text, int? expected)
        => Assert.That(StudentText.FirstHidden(text), Is.EqualTo(expected));
}
