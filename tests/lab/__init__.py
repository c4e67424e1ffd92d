"""The lab: a local ACM hub, N managed OpenShift clusters and EC2 on loopback (see docs/lab.md)."""
