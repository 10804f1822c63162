namespace BioDapr.Scaling.Live;

/// <summary>A cell's load over the last decision period, from its vitals: utilisation of its ready replicas, arrivals per second, requests waiting.</summary>
public sealed record CellLoad(double Utilisation, double ArrivalRate, double Backlog);
