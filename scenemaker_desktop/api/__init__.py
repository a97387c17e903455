"""The REST front (`scenemaker serve`): the old web app's API, served by our engine.

Routes map the old API's paths, fields and status codes onto ``Engine`` calls;
generations run in the same render workers the desktop app uses
(``api.jobs.JobManager``). Nothing here talks to fal, OpenAI or ffmpeg itself.
"""
