using System.Buffers.Binary;
using Grader.Sandbox.Protocol;
using TorchSharp;
using static TorchSharp.torch;

namespace Grader.Runner.Tests.Sandbox;

/// <summary>
/// Frames forged by student code that reached the runner's socket: each must be refused as a protocol violation,
/// before anything large is allocated, and never crash the runner or throw anything else.
/// </summary>
public class MessageCodecTests
{
    private const byte Returned = (byte)MessageKind.Returned;
    private const byte TensorTag = 7;
    private const byte TensorArrayTag = 8;
    private const byte FloatArrayTag = 12;

    [Test]
    public void A_deeply_nested_forged_frame_is_a_violation_without_recursing()
    {
        // 100,000 tensor arrays each holding one tensor array: ~17,000 levels overflowed the runner's stack before.
        var frame = new List<byte> { Returned };
        for (int i = 0; i < 100_000; i++)
        {
            frame.Add(TensorArrayTag);
            frame.AddRange(Int32(1));
        }

        frame.Add(0);
        frame.AddRange(new byte[8]);

        // On a thread with a small stack, so that even modest recursion would overflow and kill the test host.
        Exception? thrown = null;
        var thread = new Thread(() => thrown = Catch(() => MessageCodec.Decode([.. frame])), maxStackSize: 128 * 1024);
        thread.Start();
        thread.Join();
        Assert.That(thrown, Is.TypeOf<ProtocolViolationException>());
        Assert.That(thrown!.Message, Does.Contain("only tensors and nulls"));
    }

    [Test]
    public void A_huge_declared_element_count_is_refused_before_allocating()
    {
        byte[] frame = [Returned, FloatArrayTag, .. Int32(int.MaxValue), .. new byte[8]];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var violation = Assert.Throws<ProtocolViolationException>(() => MessageCodec.Decode(frame));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20), "nothing of the claimed 8 GB was allocated");
        Assert.That(violation!.Message, Does.Contain("does not fit"));
    }

    [Test]
    public void A_tensor_array_longer_than_any_answer_is_refused_before_allocating()
    {
        // The count fits in the frame (it is padded) but is above what any contract returns.
        byte[] frame = [Returned, TensorArrayTag, .. Int32(5_000_000), .. new byte[5_000_000 + 8]];
        long before = GC.GetAllocatedBytesForCurrentThread();
        var violation = Assert.Throws<ProtocolViolationException>(() => MessageCodec.Decode(frame));
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.LessThan(1 << 20));
        Assert.That(violation!.Message, Does.Contain("above the limit of " + MessageCodec.MaxTensorsPerMessage));
    }

    [Test]
    public void Thousands_of_tiny_tensors_in_one_message_are_refused()
    {
        // A call message with two arguments, each an array of 1,000 one-byte tensors: 2,000 native tensors.
        var frame = new List<byte> { (byte)MessageKind.Call };
        frame.AddRange(Int32(1));
        frame.AddRange(String("I"));
        frame.AddRange(String("M"));
        frame.AddRange(Int32(0));
        frame.AddRange(Int32(2));
        for (int argument = 0; argument < 2; argument++)
        {
            frame.Add(TensorArrayTag);
            frame.AddRange(Int32(1000));
            for (int i = 0; i < 1000; i++)
            {
                frame.AddRange(Tensor((byte)ScalarType.Byte, [1], 1));
            }
        }

        var violation = Assert.Throws<ProtocolViolationException>(() => MessageCodec.Decode([.. frame]));
        Assert.That(violation!.Message, Does.Contain($"more than {MessageCodec.MaxTensorsPerMessage} tensors"));
    }

    public static IEnumerable<TestCaseData> MalformedShapes()
    {
        yield return new TestCaseData(new long[] { -1 }, 0, "has size -1").SetName("a negative dimension");
        yield return new TestCaseData(new long[] { 1L << 40 }, 0, "has size").SetName("a dimension above int.MaxValue");
        yield return new TestCaseData(new long[] { int.MaxValue, int.MaxValue, int.MaxValue, int.MaxValue }, 0, "larger than a message can carry").SetName("an element count that overflows");
        yield return new TestCaseData(new long[] { 0, 1L << 30, 1L << 30, 1L << 30 }, 0, "larger than a message can carry").SetName("an empty tensor whose strides overflow");
        yield return new TestCaseData(new long[] { 2, 3 }, 4 * 5, "should carry 24 bytes, not 20").SetName("a shape whose product does not match the bytes");
        yield return new TestCaseData(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 }, 4, "rank 9").SetName("a rank above 8");
    }

    [TestCaseSource(nameof(MalformedShapes))]
    public void A_malformed_tensor_shape_is_a_violation(long[] shape, int byteCount, string expected)
    {
        byte[] frame = [Returned, TensorTag, .. TensorBody((byte)ScalarType.Float32, shape, byteCount), .. new byte[8]];
        var violation = Assert.Throws<ProtocolViolationException>(() => MessageCodec.Decode(frame));
        Assert.That(violation!.Message, Does.Contain(expected));
    }

    [Test]
    public void Forged_bool_bytes_are_normalised()
    {
        byte[] frame = [Returned, TensorTag, .. Tensor((byte)ScalarType.Bool, [3], 3)[1..], .. new byte[8]];
        frame[^11] = 0;
        frame[^10] = 2;
        frame[^9] = 255;
        var (_, message) = MessageCodec.Decode(frame);
        using var tensor = (Tensor)((ReturnedMessage)message).Value!;
        Assert.That(tensor.bytes.ToArray(), Is.EqualTo(new byte[] { 0, 1, 1 }));
    }

    [Test]
    public void Random_corruptions_of_a_valid_answer_only_ever_decode_or_violate()
    {
        using var scope = NewDisposeScope();
        Tensor?[] answer = [ones(2, 3), null, arange(4, dtype: ScalarType.Int64)];
        var valid = MessageCodec.Encode(MessageKind.Returned, new ReturnedMessage(answer, 1.5));
        var random = new Random(16);
        for (int round = 0; round < 3000; round++)
        {
            var forged = (byte[])valid.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                forged[random.Next(forged.Length)] = (byte)random.Next(256);
            }

            if (random.Next(4) == 0)
            {
                forged = forged[..random.Next(1, forged.Length)];
            }

            var thrown = Catch(() => MessageCodec.Decode(forged));
            Assert.That(thrown, Is.Null.Or.TypeOf<ProtocolViolationException>(), () => $"round {round}: {thrown}");
        }
    }

    [Test]
    public void A_frame_above_the_message_limit_is_refused_unread()
    {
        var header = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(header, 268 * 1024 * 1024);
        using var stream = new MemoryStream(header);
        var violation = Assert.ThrowsAsync<ProtocolViolationException>(() => Frames.ReadAsync(stream, new Grader.Runner.Sandbox.SandboxLimits().MaxAnswerBytes, CancellationToken.None));
        Assert.That(violation!.Message, Does.Contain("exceeds the limit of 67108864 bytes"));
    }

    [Test]
    public void An_answer_that_cannot_cross_is_refused_when_encoding_so_the_host_reports_it_as_a_failure()
    {
        using var scope = NewDisposeScope();
        var halfPrecision = Assert.Throws<NotSupportedException>(() => MessageCodec.Encode(MessageKind.Returned, new ReturnedMessage(ones(2).to(ScalarType.Float16))));
        Assert.That(halfPrecision!.Message, Does.Contain("Float16").And.Contain("cannot cross"));
        Assert.Throws<NotSupportedException>(() => MessageCodec.Encode(MessageKind.Returned, new ReturnedMessage(new Tensor?[MessageCodec.MaxTensorsPerMessage + 1])));
        Assert.Throws<NotSupportedException>(() => MessageCodec.Encode(MessageKind.Returned, new ReturnedMessage(new string('x', 2 << 20))));
    }

    [Test]
    public void A_megabyte_exception_message_is_cut_when_encoding_and_still_decodes()
    {
        var failed = new FailedMessage("System.Exception", new string('x', 4 << 20), "   at X()", 2);
        var (kind, message) = MessageCodec.Decode(MessageCodec.Encode(MessageKind.Failed, failed));
        Assert.That(kind, Is.EqualTo(MessageKind.Failed));
        Assert.That(((FailedMessage)message).Message.Length, Is.LessThan(20_000));
    }

    [Test]
    public void Legitimate_values_still_round_trip()
    {
        using var scope = NewDisposeScope();
        Tensor?[] parameters = [ones(3, 4), null, zeros(0, 5), tensor(new[] { true, false })];
        var (_, message) = MessageCodec.Decode(MessageCodec.Encode(MessageKind.Returned, new ReturnedMessage(parameters, 3)));
        var back = (Tensor?[])((ReturnedMessage)message).Value!;
        Assert.That(back.Select(t => t is null ? "null" : $"{t.dtype}[{string.Join(",", t.shape)}]"),
            Is.EqualTo(new[] { "Float32[3,4]", "null", "Float32[0,5]", "Bool[2]" }));
        Assert.That(back[0]!.sum().item<float>(), Is.EqualTo(12f));
    }

    private static Exception? Catch(Action action)
    {
        try
        {
            action();
            return null;
        }
#pragma warning disable CA1031 // The test looks at whatever was thrown.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return exception;
        }
    }

    private static byte[] Int32(int value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] String(string value) => [(byte)value.Length, .. System.Text.Encoding.UTF8.GetBytes(value)];

    private static byte[] Tensor(byte dtype, long[] shape, int byteCount) => [TensorTag, .. TensorBody(dtype, shape, byteCount), .. new byte[byteCount]];

    private static byte[] TensorBody(byte dtype, long[] shape, int byteCount)
    {
        var body = new List<byte> { dtype };
        body.AddRange(Int32(shape.Length));
        foreach (long size in shape)
        {
            var bytes = new byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(bytes, size);
            body.AddRange(bytes);
        }

        body.AddRange(Int32(byteCount));
        return [.. body];
    }
}
