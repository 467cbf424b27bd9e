using Grader.Web.Tests.Support;

namespace Grader.Web.Tests.Similarity;

/// <summary>One running demo app for the similarity tests, apart from the other tests' app: comparisons see every submission.</summary>
[SetUpFixture]
public sealed class SimilarityFixture : DemoAppFixture<SimilarityFixture>;
