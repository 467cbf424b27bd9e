using System.Net.Sockets;
using Grader.Sandbox;

// grader-sandbox --socket <path> --assembly <student.dll>
// Runs inside bubblewrap. Everything the student's code can reach is what this process can reach, so the process
// holds nothing worth stealing: the runner on the other end of the socket keeps the reference answers.
string? socketPath = null;
string? assemblyPath = null;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--socket": socketPath = args[i + 1]; break;
        case "--assembly": assemblyPath = args[i + 1]; break;
        default: break;
    }
}

if (socketPath is null || assemblyPath is null)
{
    await Console.Error.WriteLineAsync("usage: grader-sandbox --socket <path> --assembly <student.dll>");
    return 2;
}

// Homework-sized tensors: extra libtorch threads only spin and contend with other sandboxes for the cores.
TorchSharp.torch.set_num_threads(1);

using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
await using var stream = new NetworkStream(socket, ownsSocket: false);
var host = new StudentHost(stream, assemblyPath);
return await host.ServeAsync(CancellationToken.None);
