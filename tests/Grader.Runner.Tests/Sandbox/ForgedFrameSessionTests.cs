using System.Buffers.Binary;
using System.Diagnostics;
using System.Net.Sockets;
using Grader.Contracts;
using Grader.Runner.Sandbox;
using Grader.Sandbox.Protocol;
using static TorchSharp.torch;

namespace Grader.Runner.Tests.Sandbox;

/// <summary>
/// The runner's real <see cref="SandboxSession"/> against a fake host on the other end of its socket, writing what
/// student code that found the socket could write. No bubblewrap needed: these run everywhere.
/// </summary>
public class ForgedFrameSessionTests
{
    private static readonly System.Reflection.MethodInfo Forward = typeof(IConvolution2d).GetMethod(nameof(IConvolution2d.Forward))!;

    [Test]
    public void A_deeply_nested_answer_stops_the_sandbox_as_an_invalid_message_not_as_the_methods_failure()
    {
        var nested = new List<byte> { (byte)MessageKind.Returned };
        for (int i = 0; i < 100_000; i++)
        {
            nested.AddRange([8, 1, 0, 0, 0]);
        }

        using var host = FakeHost.Start(_ => [.. nested]);
        using var scope = NewDisposeScope();
        var stopped = Assert.Throws<SandboxStoppedException>(() => host.Session.Call(1, Forward, [ones(1), ones(1), ones(1), 1, 0]));
        Assert.Multiple(() =>
        {
            Assert.That(stopped!.Stop.Reason, Is.EqualTo(SandboxStopReason.ProtocolViolation));
            Assert.That(stopped.Message, Does.Contain("the sandbox sent an invalid message while IConvolution2d.Forward"));
            Assert.That(stopped.Message, Does.Not.Contain("threw"));
            Assert.That(host.Session.StoppedBecause, Is.Not.Null);
        });

        var later = Assert.Throws<SandboxStoppedException>(() => host.Session.Call(1, Forward, [ones(1), ones(1), ones(1), 1, 0]));
        Assert.That(later!.Stop, Is.EqualTo(stopped.Stop), "later calls fail at once with the first reason");
    }

    [Test]
    public void A_frame_header_claiming_268_MB_stops_the_sandbox_before_reading_it()
    {
        using var host = FakeHost.Start(_ => null, rawReply: Header(268 * 1024 * 1024));
        using var scope = NewDisposeScope();
        var stopped = Assert.Throws<SandboxStoppedException>(() => host.Session.Call(1, Forward, [ones(1), ones(1), ones(1), 1, 0]));
        Assert.That(stopped!.Stop.Reason, Is.EqualTo(SandboxStopReason.ProtocolViolation));
        Assert.That(stopped.Message, Does.Contain("the sandbox sent an invalid message").And.Contain("exceeds the limit"));
    }

    [Test]
    public void A_forged_answer_to_the_notebook_run_is_a_stop_the_notebook_finding_catches()
    {
        using var host = FakeHost.Start(_ => [(byte)MessageKind.Returned, 7, (byte)ScalarType.Float32, 1, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 0, 0]);
        // SubmissionGrader.RunNotebook turns a RemoteStudentCodeException into the notebook's finding.
        var stopped = Assert.Throws<SandboxStoppedException>(host.Session.RunTopLevelCode);
        Assert.That(stopped, Is.InstanceOf<Grader.Reference.Checks.RemoteStudentCodeException>());
        Assert.That(stopped!.Message, Does.Contain("the sandbox sent an invalid message while running the notebook's top-level code"));
    }

    [Test]
    public void A_students_exception_text_is_capped_and_escaped_and_the_run_goes_on()
    {
        const string fake = "GraderError: the course staff will look at it";
        var failure = new FailedMessage("Evil.GraderError\u202E", fake + "\u001b[2J\u202Egnp.exe\u200B" + new string('x', 1 << 20), "   at Evil\u202E.M()\n   at Other.N()");
        var answers = new Queue<byte[]>([MessageCodec.Encode(MessageKind.Failed, failure), MessageCodec.Encode(MessageKind.Returned, new ReturnedMessage(null))]);
        using var host = FakeHost.Start(_ => answers.Dequeue());
        using var scope = NewDisposeScope();

        var thrown = Assert.Throws<StudentCodeException>(() => host.Session.Call(1, Forward, [ones(1), ones(1), ones(1), 1, 0]));
        Assert.Multiple(() =>
        {
            Assert.That(thrown!.Outcome, Does.StartWith("threw GraderError\\u202E: GraderError: the course staff"));
            Assert.That(thrown.Outcome, Does.Contain("\\u001B[2J\\u202Egnp.exe\\u200B"));
            Assert.That(thrown.Outcome.Length, Is.LessThan(450));
            Assert.That(thrown.Outcome, Does.EndWith("…"));
            Assert.That(thrown.Outcome.Any(c => c is '\u202E' or '\u001b' or '\u200B'), Is.False);
            Assert.That(thrown.StudentStackTrace, Is.EqualTo("   at Evil\\u202E.M()\n   at Other.N()"));
        });
        Assert.That(host.Session.Call(1, Forward, [ones(1), ones(1), ones(1), 1, 0]), Is.Null, "the next call is answered");
        Assert.That(host.Session.StoppedBecause, Is.Null);
    }

    private static byte[] Header(int length)
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, length);
        return header;
    }

    /// <summary>A session whose host is this test: it goes on standby, loads, then answers each request as told.</summary>
    private sealed class FakeHost : IDisposable
    {
        private readonly NetworkStream _stream;
        private readonly Task _serving;

        private FakeHost(SandboxSession session, NetworkStream stream, Task serving)
        {
            Session = session;
            _stream = stream;
            _serving = serving;
        }

        public SandboxSession Session { get; }

        /// <param name="reply">The payload answering a request (a frame is made of it), or null to send <paramref name="rawReply"/> as is.</param>
        public static FakeHost Start(Func<byte[], byte[]?> reply, byte[]? rawReply = null)
        {
            string runDirectory = Directory.CreateTempSubdirectory("grader-fake-run-").FullName;
            Directory.CreateDirectory(Path.Combine(runDirectory, SandboxLauncher.AssemblyFolderName));
            string socketPath = Path.Combine(runDirectory, "runner.sock");
            var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            listener.Bind(new UnixDomainSocketEndPoint(socketPath));
            listener.Listen(1);
            // A stand-in for the sandbox process: the session pumps its output and kills it at the end.
            var process = Process.Start(new ProcessStartInfo("sleep", "60") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            var session = new SandboxSession(process, listener, ResourceControl.None(), runDirectory, SandboxFixture.TestLimits);

            var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(socketPath));
            var stream = new NetworkStream(client, ownsSocket: true);
            var serving = Task.Run(async () =>
            {
                await Frames.WriteAsync(stream, MessageCodec.Encode(MessageKind.Standby, new StandbyMessage("fake")), CancellationToken.None);
                await Frames.ReadAsync(stream, MessageCodec.MaxMessageBytes, CancellationToken.None);
                await Frames.WriteAsync(stream, MessageCodec.Encode(MessageKind.Ready, new ReadyMessage("fake host")), CancellationToken.None);
                while (await Frames.ReadAsync(stream, MessageCodec.MaxMessageBytes, CancellationToken.None) is { } request)
                {
                    if (reply(request) is { } payload)
                    {
                        await Frames.WriteAsync(stream, payload, CancellationToken.None);
                    }
                    else
                    {
                        await stream.WriteAsync(rawReply);
                    }
                }
            });

            string assembly = Path.Combine(runDirectory, "fake-student.dll");
            File.WriteAllBytes(assembly, [0]);
            session.Assign(assembly, null);
            session.WaitUntilReady();
            return new FakeHost(session, stream, serving);
        }

        public void Dispose()
        {
            Session.Dispose();
            _stream.Dispose();
            try
            {
                _serving.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
                // The session closed the connection under it.
            }
        }
    }
}
