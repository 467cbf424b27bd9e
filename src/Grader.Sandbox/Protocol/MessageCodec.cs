using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Grader.Sandbox.Protocol;

/// <summary>
/// Encodes protocol messages and the values that cross the boundary: null, bool, int, long, float, double, string,
/// one-dimensional arrays of those, tensors (dtype, shape, raw little-endian bytes, always on CPU) and tensor arrays.
/// Decoding validates everything: the runner decodes bytes that student code may have forged, so every count and
/// size is bounded before anything is allocated, and nothing recurses (a tensor array holds tensors or nulls only).
/// Encoding refuses what decoding would, so an honest host turns an answer that cannot cross into a Failed message
/// (that one item fails) instead of a frame that stops the run.
/// </summary>
public static class MessageCodec
{
    /// <summary>
    /// Largest message either side accepts. The largest legitimate answer (a training run's predictions, a GAN's
    /// samples, a network's parameters) is a few MB; the cap bounds what a forged frame can make the runner hold.
    /// </summary>
    public const int MaxMessageBytes = 64 * 1024 * 1024;

    /// <summary>
    /// Tensors in one message: a parameter list has a few dozen. Each decoded tensor is a native allocation, so a
    /// frame of tiny tensors (one per 11 bytes) must not turn into millions of them (a 268 MB frame once made 12 GB).
    /// </summary>
    public const int MaxTensorsPerMessage = 1024;

    /// <summary>Arguments of one call and strings of one string array; each element is an object, 8+ bytes of runner memory per byte of frame.</summary>
    private const int MaxArguments = 64;

    private const int MaxStringsPerArray = 1024;

    private const int MaxStringBytes = 1 << 20;

    /// <summary>Exception text an honest host sends: more only fills the frame (the report shows 300 characters).</summary>
    private const int MaxFailureTextChars = 16 * 1024;

    private const int MaxTensorRank = 8;

    private enum ValueTag : byte
    {
        Null = 0,
        Bool = 1,
        Int = 2,
        Long = 3,
        Float = 4,
        Double = 5,
        String = 6,
        Tensor = 7,
        TensorArray = 8,
        BoolArray = 9,
        IntArray = 10,
        LongArray = 11,
        FloatArray = 12,
        DoubleArray = 13,
        StringArray = 14,
    }

    private static readonly HashSet<ScalarType> AllowedTensorTypes =
    [
        ScalarType.Float32, ScalarType.Float64, ScalarType.Int32, ScalarType.Int64,
        ScalarType.Int16, ScalarType.Int8, ScalarType.Byte, ScalarType.Bool,
    ];

    public static byte[] Encode(MessageKind kind, object message)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)kind);
            switch (message)
            {
                case CreateRequest create:
                    writer.Write(create.ContractInterface);
                    break;
                case CallRequest call:
                    writer.Write(call.ObjectId);
                    writer.Write(call.ContractInterface);
                    writer.Write(call.MethodName);
                    WriteStrings(writer, call.ParameterTypes);
                    writer.Write(call.Arguments.Length);
                    foreach (var argument in call.Arguments)
                    {
                        WriteValue(writer, argument);
                    }

                    break;
                case ReadyMessage ready:
                    writer.Write(ready.Description);
                    break;
                case LoadRequest load:
                    writer.Write(load.AssemblyPath);
                    writer.Write(load.CpuSeconds);
                    break;
                case StandbyMessage standby:
                    writer.Write(standby.Description);
                    break;
                case CreatedMessage created:
                    writer.Write(created.ObjectId);
                    writer.Write(created.ImplementingType);
                    break;
                case ReturnedMessage returned:
                    WriteValue(writer, returned.Value);
                    writer.Write(returned.StudentMilliseconds);
                    break;
                case FailedMessage failed:
                    // Cut, never refused: a Failed message is the host's last word on an error.
                    writer.Write(Cut(failed.ExceptionType));
                    writer.Write(Cut(failed.Message));
                    writer.Write(Cut(failed.StackTrace));
                    writer.Write(failed.StudentMilliseconds);
                    break;
                case ShutdownRequest or RunTopLevelRequest:
                    break;
                default:
                    throw new ArgumentException($"not a protocol message: {message.GetType().Name}", nameof(message));
            }
        }

        if (buffer.Length > MaxMessageBytes)
        {
            throw new NotSupportedException($"an answer of {buffer.Length / (1024 * 1024)} MB is larger than the {MaxMessageBytes / (1024 * 1024)} MB that can cross the sandbox boundary");
        }

        return buffer.ToArray();
    }

    private static string Cut(string? text)
        => text is null ? "" : text.Length > MaxFailureTextChars ? text[..MaxFailureTextChars] + "…" : text;

    /// <summary>
    /// The student time a Returned or Failed answer reports (its last field), read without decoding the answer, so
    /// that tensors are made only where the caller decodes them; 0 for other messages or a frame too short to hold it.
    /// </summary>
    public static double ReportedStudentMilliseconds(byte[] frame)
        => frame.Length >= 1 + sizeof(double) && (MessageKind)frame[0] is MessageKind.Returned or MessageKind.Failed
            ? System.Buffers.Binary.BinaryPrimitives.ReadDoubleLittleEndian(frame.AsSpan(frame.Length - sizeof(double)))
            : 0;

    /// <exception cref="ProtocolViolationException">the bytes are not a valid message within the bounds above.</exception>
    public static (MessageKind Kind, object Message) Decode(byte[] frame)
    {
        if (frame.Length == 0)
        {
            throw new ProtocolViolationException("empty message");
        }

        if (frame.Length > MaxMessageBytes)
        {
            throw new ProtocolViolationException($"a message of {frame.Length} bytes exceeds the limit of {MaxMessageBytes} bytes");
        }

        var budget = new DecodeBudget();
        using var reader = new BinaryReader(new MemoryStream(frame, writable: false), Encoding.UTF8);
        try
        {
            var kind = (MessageKind)reader.ReadByte();
            object message = kind switch
            {
                MessageKind.Create => new CreateRequest(ReadString(reader)),
                MessageKind.Call => ReadCall(reader, budget),
                MessageKind.Shutdown => new ShutdownRequest(),
                MessageKind.RunTopLevel => new RunTopLevelRequest(),
                MessageKind.Ready => new ReadyMessage(ReadString(reader)),
                MessageKind.Load => new LoadRequest(ReadString(reader), reader.ReadInt32()),
                MessageKind.Standby => new StandbyMessage(ReadString(reader)),
                MessageKind.Created => new CreatedMessage(reader.ReadInt32(), ReadString(reader)),
                MessageKind.Returned => new ReturnedMessage(ReadValue(reader, budget), reader.ReadDouble()),
                MessageKind.Failed => new FailedMessage(ReadString(reader), ReadString(reader), ReadString(reader), reader.ReadDouble()),
                _ => throw new ProtocolViolationException($"unknown message kind {(byte)kind}"),
            };
            if (reader.BaseStream.Position != reader.BaseStream.Length)
            {
                throw new ProtocolViolationException($"{reader.BaseStream.Length - reader.BaseStream.Position} unexpected bytes after a {kind} message");
            }

            return (kind, message);
        }
        catch (EndOfStreamException)
        {
            throw new ProtocolViolationException("a message ended early");
        }
        catch (Exception exception) when (exception is FormatException or OverflowException or ArgumentException or InvalidOperationException
            or System.Runtime.InteropServices.ExternalException or DecoderFallbackException)
        {
            // BinaryReader (a bad 7-bit length), arithmetic and libtorch failures on forged bytes are violations too.
            throw new ProtocolViolationException($"a malformed message ({exception.GetType().Name})");
        }
    }

    /// <summary>What one message may still make the decoder allocate.</summary>
    private sealed class DecodeBudget
    {
        public int TensorsLeft { get; set; } = MaxTensorsPerMessage;
    }

    private static CallRequest ReadCall(BinaryReader reader, DecodeBudget budget)
    {
        int objectId = reader.ReadInt32();
        string contract = ReadString(reader);
        string method = ReadString(reader);
        string[] parameterTypes = ReadStrings(reader);
        int count = ReadCount(reader, MaxArguments);
        var arguments = new object?[count];
        for (int i = 0; i < count; i++)
        {
            arguments[i] = ReadValue(reader, budget);
        }

        return new CallRequest(objectId, contract, method, parameterTypes, arguments);
    }

    private static void WriteValue(BinaryWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.Write((byte)ValueTag.Null);
                break;
            case bool b:
                writer.Write((byte)ValueTag.Bool);
                writer.Write(b);
                break;
            case int i:
                writer.Write((byte)ValueTag.Int);
                writer.Write(i);
                break;
            case long l:
                writer.Write((byte)ValueTag.Long);
                writer.Write(l);
                break;
            case float f:
                writer.Write((byte)ValueTag.Float);
                writer.Write(f);
                break;
            case double d:
                writer.Write((byte)ValueTag.Double);
                writer.Write(d);
                break;
            case string s:
                RequireCrossable(s);
                writer.Write((byte)ValueTag.String);
                writer.Write(s);
                break;
            case Tensor tensor:
                writer.Write((byte)ValueTag.Tensor);
                WriteTensor(writer, tensor);
                break;
            case Tensor?[] tensors:
                if (tensors.Length > MaxTensorsPerMessage)
                {
                    throw new NotSupportedException($"an array of {tensors.Length} tensors cannot cross the sandbox boundary (at most {MaxTensorsPerMessage})");
                }

                writer.Write((byte)ValueTag.TensorArray);
                writer.Write(tensors.Length);
                foreach (var tensor in tensors)
                {
                    WriteValue(writer, tensor);
                }

                break;
            case bool[] array:
                WritePrimitiveArray(writer, ValueTag.BoolArray, array);
                break;
            case int[] array:
                WritePrimitiveArray(writer, ValueTag.IntArray, array);
                break;
            case long[] array:
                WritePrimitiveArray(writer, ValueTag.LongArray, array);
                break;
            case float[] array:
                WritePrimitiveArray(writer, ValueTag.FloatArray, array);
                break;
            case double[] array:
                WritePrimitiveArray(writer, ValueTag.DoubleArray, array);
                break;
            case string[] array:
                if (array.Length > MaxStringsPerArray)
                {
                    throw new NotSupportedException($"an array of {array.Length} strings cannot cross the sandbox boundary (at most {MaxStringsPerArray})");
                }

                Array.ForEach(array, RequireCrossable);
                writer.Write((byte)ValueTag.StringArray);
                WriteStrings(writer, array);
                break;
            default:
                throw new NotSupportedException(
                    $"a value of type {value.GetType().FullName} cannot cross the sandbox boundary " +
                    "(allowed: Tensor, Tensor[], bool, int, long, float, double, string and arrays of those)");
        }
    }

    private static object? ReadValue(BinaryReader reader, DecodeBudget budget)
    {
        var tag = (ValueTag)reader.ReadByte();
        return tag switch
        {
            ValueTag.Null => null,
            ValueTag.Bool => reader.ReadBoolean(),
            ValueTag.Int => reader.ReadInt32(),
            ValueTag.Long => reader.ReadInt64(),
            ValueTag.Float => reader.ReadSingle(),
            ValueTag.Double => reader.ReadDouble(),
            ValueTag.String => ReadString(reader),
            ValueTag.Tensor => ReadTensor(reader, budget),
            ValueTag.TensorArray => ReadTensorArray(reader, budget),
            ValueTag.BoolArray => ReadPrimitiveArray<bool>(reader),
            ValueTag.IntArray => ReadPrimitiveArray<int>(reader),
            ValueTag.LongArray => ReadPrimitiveArray<long>(reader),
            ValueTag.FloatArray => ReadPrimitiveArray<float>(reader),
            ValueTag.DoubleArray => ReadPrimitiveArray<double>(reader),
            ValueTag.StringArray => ReadStrings(reader),
            _ => throw new ProtocolViolationException($"unknown value tag {(byte)tag}"),
        };
    }

    /// <summary>
    /// Elements are read here, not through <see cref="ReadValue"/>: a tensor array holds tensors or nulls, so a forged
    /// array of arrays of arrays is refused at its first nested tag instead of recursing (17,000 levels overflowed the
    /// runner's stack).
    /// </summary>
    private static Tensor?[] ReadTensorArray(BinaryReader reader, DecodeBudget budget)
    {
        int count = ReadCount(reader, MaxTensorsPerMessage);
        var tensors = new Tensor?[count];
        for (int i = 0; i < count; i++)
        {
            var tag = (ValueTag)reader.ReadByte();
            tensors[i] = tag switch
            {
                ValueTag.Null => null,
                ValueTag.Tensor => ReadTensor(reader, budget),
                _ => throw new ProtocolViolationException($"element {i} of a tensor array has tag {(byte)tag}; only tensors and nulls are allowed"),
            };
        }

        return tensors;
    }

    private static void WriteTensor(BinaryWriter writer, Tensor tensor)
    {
        if (!AllowedTensorTypes.Contains(tensor.dtype))
        {
            throw new NotSupportedException(
                $"a tensor of dtype {tensor.dtype} cannot cross the sandbox boundary (allowed: {string.Join(", ", AllowedTensorTypes)}); convert it, e.g. with .to(ScalarType.Float32)");
        }

        using var onCpu = tensor.detach().cpu().contiguous();
        writer.Write((byte)onCpu.dtype);
        writer.Write((int)onCpu.Dimensions);
        foreach (long size in onCpu.shape)
        {
            writer.Write(size);
        }

        var bytes = onCpu.bytes;
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    private static Tensor ReadTensor(BinaryReader reader, DecodeBudget budget)
    {
        if (--budget.TensorsLeft < 0)
        {
            throw new ProtocolViolationException($"a message carries more than {MaxTensorsPerMessage} tensors");
        }

        var dtype = (ScalarType)reader.ReadByte();
        if (!AllowedTensorTypes.Contains(dtype))
        {
            throw new ProtocolViolationException($"tensor dtype {dtype} is not supported at the boundary");
        }

        int rank = reader.ReadInt32();
        if (rank < 0 || rank > MaxTensorRank)
        {
            throw new ProtocolViolationException($"tensor rank {rank} is outside 0..{MaxTensorRank}");
        }

        // The extent (zero sizes counted as one) is bounded too: libtorch computes strides from it even for an empty
        // tensor, and [0, 2^31, 2^31, 2^31] overflows them. Each step stays below 2^26 · 2^31, so nothing overflows here.
        var shape = new long[rank];
        long extent = 1;
        long elements = 1;
        for (int i = 0; i < rank; i++)
        {
            shape[i] = reader.ReadInt64();
            if (shape[i] < 0 || shape[i] > int.MaxValue)
            {
                throw new ProtocolViolationException($"tensor dimension {i} has size {shape[i]}");
            }

            extent *= Math.Max(shape[i], 1);
            elements *= shape[i];
            if (extent > MaxMessageBytes)
            {
                throw new ProtocolViolationException($"a tensor of shape [{string.Join(", ", shape.Take(i + 1))}, ...] is larger than a message can carry");
            }
        }

        int byteCount = reader.ReadInt32();
        long expected = elements * ElementSize(dtype);
        long remaining = reader.BaseStream.Length - reader.BaseStream.Position;
        if (byteCount != expected || byteCount > remaining)
        {
            throw new ProtocolViolationException(
                $"tensor of shape [{string.Join(", ", shape)}] and dtype {dtype} should carry {expected} bytes, not {byteCount}");
        }

        var data = reader.ReadBytes(byteCount);
        if (dtype == ScalarType.Bool)
        {
            // A bool byte other than 0 or 1 is undefined behaviour in libtorch's kernels.
            for (int i = 0; i < data.Length; i++)
            {
                data[i] = data[i] == 0 ? (byte)0 : (byte)1;
            }
        }

        var tensor = empty(shape, dtype);
        tensor.bytes = data;
        return tensor;
    }

    private static int ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Int16 => 2,
        _ => 1,
    };

    private static void WritePrimitiveArray<T>(BinaryWriter writer, ValueTag tag, T[] array)
        where T : unmanaged
    {
        writer.Write((byte)tag);
        writer.Write(array.Length);
        writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(array.AsSpan()));
    }

    private static T[] ReadPrimitiveArray<T>(BinaryReader reader)
        where T : unmanaged
    {
        int count = ReadCount(reader, MaxMessageBytes);
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        long remaining = reader.BaseStream.Length - reader.BaseStream.Position;
        if ((long)count * size > remaining)
        {
            throw new ProtocolViolationException($"an array claims {count} elements but the message is shorter");
        }

        var array = new T[count];
        reader.BaseStream.ReadExactly(System.Runtime.InteropServices.MemoryMarshal.AsBytes(array.AsSpan()));
        if (typeof(T) == typeof(bool))
        {
            // Normalise forged bool bytes (anything but 0/1) so comparisons behave.
            var raw = System.Runtime.InteropServices.MemoryMarshal.AsBytes(array.AsSpan());
            for (int i = 0; i < raw.Length; i++)
            {
                raw[i] = raw[i] == 0 ? (byte)0 : (byte)1;
            }
        }

        return array;
    }

    private static void RequireCrossable(string? text)
    {
        if (text is not null && Encoding.UTF8.GetByteCount(text) > MaxStringBytes)
        {
            throw new NotSupportedException($"a string longer than {MaxStringBytes / 1024} KB cannot cross the sandbox boundary");
        }
    }

    private static void WriteStrings(BinaryWriter writer, string[] strings)
    {
        writer.Write(strings.Length);
        foreach (var s in strings)
        {
            writer.Write(s);
        }
    }

    private static string[] ReadStrings(BinaryReader reader)
    {
        int count = ReadCount(reader, MaxStringsPerArray);
        var strings = new string[count];
        for (int i = 0; i < count; i++)
        {
            strings[i] = ReadString(reader);
        }

        return strings;
    }

    private static string ReadString(BinaryReader reader)
    {
        // BinaryReader's 7-bit length prefix; bound it before the reader allocates.
        long start = reader.BaseStream.Position;
        int length = reader.Read7BitEncodedInt();
        if (length < 0 || length > MaxStringBytes || length > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new ProtocolViolationException($"a string of {length} bytes at offset {start} is too long or truncated");
        }

        return Encoding.UTF8.GetString(reader.ReadBytes(length));
    }

    private static int ReadCount(BinaryReader reader, int max)
    {
        int count = reader.ReadInt32();
        if (count < 0 || count > reader.BaseStream.Length - reader.BaseStream.Position)
        {
            throw new ProtocolViolationException($"a count of {count} does not fit in the message");
        }

        if (count > max)
        {
            throw new ProtocolViolationException($"a count of {count} is above the limit of {max}");
        }

        return count;
    }
}
