"""The build as its stages run: read sources → build graphs → reason → validate → export (`build`),
with the work that can run beside it in forked children (`alongside`) and its timing (`progress`)."""
