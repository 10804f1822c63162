// Entry point: `run -f <dapr.yaml>` starts a multi-app run; anything else is daprd's flag set.
// The composition lands with the runtime; this placeholder keeps the solution building.
return 0;
