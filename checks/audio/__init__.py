"""Audio checks: headset type, microphone level, room noise and a speaker challenge.

One module per check (``*_check.py``) plus small single-job helpers:

* :mod:`deskready.checks.audio.levels` — pure numpy level maths (dBFS, peak, clipping, noise floor,
  active speech level, SNR);
* :mod:`deskready.checks.audio.sd_adapter` — the only place that touches sounddevice/PortAudio;
* :mod:`deskready.checks.audio.capture` — what the recording checks share: device choice, a
  bounded recording in 50 ms blocks with live levels (or playback), and the one message set
  for sound-system failures;
* :mod:`deskready.checks.audio.classify` — bus and headset classification from the OS's own device
  properties (PulseAudio/PipeWire, macOS ``system_profiler``, Windows endpoint properties);
* :mod:`deskready.checks.audio.os_devices` — the adapter that runs the OS commands for ``classify``.

Importing any of these never imports sounddevice: PortAudio is loaded lazily by the adapter,
so a missing library becomes a clear ERROR result instead of a plugin that fails to load.
"""
