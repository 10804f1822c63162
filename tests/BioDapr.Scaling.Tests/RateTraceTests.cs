using BioDapr.Scaling.Traces;

namespace BioDapr.Scaling.Tests;

public sealed class RateTraceTests
{
    [Fact]
    public void Parse_FillsAnAbsentBucketByInterpolationAndCountsIt()
    {
        var trace = RateTrace.Parse(["timestamp,value", "2014-04-10 00:00:00,10", "2014-04-10 00:05:00,20", "2014-04-10 00:15:00,40"], "t.csv", "t");

        trace.Step.ShouldBe(TimeSpan.FromMinutes(5));
        trace.Values.ShouldBe([10, 20, 30, 40]);
        trace.FilledGaps.ShouldBe(1);
        trace.BucketsPerDay.ShouldBe(288);
    }

    [Fact]
    public void Parse_WithZeroFill_TreatsAnAbsentBucketAsNoArrivals()
    {
        var trace = RateTrace.Parse(["timestamp,value", "1995-07-01 00:00:00,2", "1995-07-01 00:01:00,1", "1995-07-01 00:03:00,5"], "nasa.csv", "nasa", GapFill.Zero);

        trace.Values.ShouldBe([2, 1, 0, 5]);
        trace.PhaseOffset.ShouldBe(0);
    }

    [Theory]
    [InlineData("time,count\n2014-04-10 00:00:00,1", "header")]
    [InlineData("timestamp,value\n2014-04-10 00:00:00,1\n2014-04-10 00:05:00,abc\n2014-04-10 00:10:00,1", "line 3")]
    [InlineData("timestamp,value\n2014-04-10 00:00:00,1\n2014-04-10 00:05:00,-4\n2014-04-10 00:10:00,1", ">= 0")]
    [InlineData("timestamp,value\n2014-04-10 00:05:00,1\n2014-04-10 00:00:00,1\n2014-04-10 00:10:00,1", "not after")]
    [InlineData("timestamp,value\n2014-04-10 00:00:00,1\n2014-04-10 00:05:00,1\n2014-04-10 00:12:00,1", "whole number")]
    [InlineData("timestamp,value\n10/04/2014,1\n2014-04-10 00:05:00,1\n2014-04-10 00:10:00,1", "is not 'yyyy-MM-dd HH:mm:ss'")]
    [InlineData("timestamp,value\n2014-04-10 00:00:00,1,2\n2014-04-10 00:05:00,1", "exactly two fields")]
    [InlineData("timestamp,value\n2014-04-10 00:00:00,1", "at least 3 rows")]
    public void Parse_MalformedInput_NamesTheSourceAndTheProblem(string text, string expected)
    {
        var error = Should.Throw<FormatException>(() => RateTrace.Parse(text.Split('\n'), "bad.csv", "bad"));
        error.Message.ShouldStartWith("bad.csv");
        error.Message.ShouldContain(expected);
    }

    [Fact]
    public void Load_AMissingFile_SaysWhichFile()
    {
        Should.Throw<FileNotFoundException>(() => RateTrace.Load("/nonexistent/trace.csv", "x")).Message.ShouldContain("/nonexistent/trace.csv");
    }

    [Theory]
    [InlineData("nab-elb-request-count-8c0756.csv", 4040, 8)]
    [InlineData("nab-twitter-volume-amzn.csv", 6048, 0)]
    public void Load_TheCommittedTraces_GivesRegularFiveMinuteSeries(string file, int buckets, int filled)
    {
        var trace = RateTrace.Load(Path.Combine(Series.RepositoryRoot(), "docs", "traces", file), file);

        trace.Step.ShouldBe(TimeSpan.FromMinutes(5));
        trace.Values.Length.ShouldBe(buckets);
        trace.FilledGaps.ShouldBe(filled);
        trace.Values.ShouldAllBe(v => v >= 0);
    }
}
