# The two commands of the README. Both set up .venv themselves.
VENV ?= .venv

.PHONY: book test setup lab student clean

book:  ## build the course website into _build/html
	bash scripts/book.sh

test:  ## run the whole test suite (book build, unit tests, notebooks)
	bash scripts/test.sh

setup:  ## create .venv with the pinned requirements (and graphviz's dot)
	bash scripts/setup.sh

lab: setup  ## open the student notebooks (the exercises) in JupyterLab
	$(VENV)/bin/jupyter lab notebooks/student/

student: setup  ## regenerate notebooks/student/ from the reference notebooks
	$(VENV)/bin/python -m minigrad.exercises build

clean:
	rm -rf _build
