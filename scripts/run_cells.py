"""Run a notebook's code cells in one namespace, without Jupyter, timing each cell.

    python scripts/run_cells.py notebooks/ch06_gpu.ipynb

For a machine that has NumPy, CuPy and matplotlib but no Jupyter kernel (the GPU
machine a session is lent): IPython magics (lines starting with ``%`` or ``!``) become
``pass``, figures go to the Agg backend, and the first failing cell stops the run with
its traceback and a non-zero exit status.
"""

import json
import sys
import time
import traceback

import matplotlib

matplotlib.use("Agg")


def code_cells(path):
    with open(path, encoding="utf-8") as f:
        notebook = json.load(f)
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            source = "".join(cell["source"])
            lines = [line[:len(line) - len(line.lstrip())] + "pass"
                     if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines()]
            expected_error = "raises-exception" in cell.get("metadata", {}).get("tags", [])
            yield index, "\n".join(lines), expected_error


def main(path):
    namespace = {"__name__": "__main__", "display": print}
    for index, source, expected_error in code_cells(path):
        start = time.perf_counter()
        try:
            exec(compile(source, f"{path}[cell {index}]", "exec"), namespace)
        except Exception as error:
            if expected_error:
                print(f"cell {index} raised, as its tag says: {type(error).__name__}: {error}")
                continue
            traceback.print_exc()
            print(f"cell {index} failed")
            return 1
        print(f"-- cell {index} done in {time.perf_counter() - start:.2f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
