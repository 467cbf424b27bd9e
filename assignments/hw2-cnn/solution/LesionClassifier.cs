// HW2 model solution, part 2: a small CNN built from TorchSharp modules, trained with Adam.
using System;
using Grader.Contracts;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

public sealed class LesionClassifier : ICnnClassifier
{
    private Sequential? network;
    private long seed;

    public void Initialize(int channels, int height, int width, int classCount, long seed)
    {
        this.seed = seed;
        manual_seed(seed);
        network = nn.Sequential(
            nn.Conv2d(channels, 8, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 3, padding: 1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear(16 * (height / 4) * (width / 4), 32), nn.ReLU(),
            nn.Linear(32, classCount));
    }

    public void Train(Tensor images, Tensor labels)
    {
        var model = network ?? throw new InvalidOperationException("call Initialize first");
        const int epochs = 8;
        const int batchSize = 32;
        var optimizer = optim.Adam(model.parameters(), lr: 0.005);
        var generator = new Generator((ulong)seed + 1);
        var count = images.shape[0];
        model.train();
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            using var epochScope = NewDisposeScope();
            var order = randperm(count, generator: generator);
            for (long start = 0; start < count; start += batchSize)
            {
                var batch = order.narrow(0, start, Math.Min(batchSize, count - start));
                optimizer.zero_grad();
                var loss = nn.functional.cross_entropy(model.forward(images.index_select(0, batch)), labels.index_select(0, batch));
                loss.backward();
                optimizer.step();
            }
        }
    }

    public Tensor Predict(Tensor images)
    {
        var model = network ?? throw new InvalidOperationException("call Initialize first");
        model.eval();
        using var noGradient = no_grad();
        using var scope = NewDisposeScope();
        return model.forward(images).argmax(1).MoveToOuterDisposeScope();
    }
}
