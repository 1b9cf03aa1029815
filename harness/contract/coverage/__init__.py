"""The contract-coverage gate's engine: the recorded exchanges of every gate against the
contract (spec, evidence, constraints, validate, matrix, result, output)."""
