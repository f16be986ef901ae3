"""Bluetooth LE EMG sensors through bleak: Myo armband, OpenBCI Ganglion, the open DIY profile."""
