"""Shared test set-up: report what the randomised tests checked."""


def pytest_terminal_summary(terminalreporter):
    try:
        from test_reliability import STATS
    except ImportError:
        return
    if STATS["graphs"]:
        terminalreporter.write_line(
            f"reliability: {STATS['graphs']} random graphs checked "
            f"({STATS['op_instances']} operation instances) against central differences"
            " and PyTorch")
