"""Teacher and site tooling for the tutorials' exercises.

The student checks live in :mod:`cnn101.exercises`; this package holds what a teacher
(and the site build) does with them, one job per module:

* :mod:`cnn101.teaching.notebooks`: reading a tutorial notebook (its exercises, their
  solutions and check calls), and checking a notebook where it enters;
* :mod:`cnn101.teaching.handout`: the student version and the answer key of a tutorial
  notebook (works on the notebook's JSON, needs no Jupyter);
* :mod:`cnn101.teaching.manifests`: the grader's manifest of a handed-out notebook;
* :mod:`cnn101.teaching.grading`: runs submitted notebooks in fresh kernels and grades
  their answers against the handed-out notebook (needs ``nbclient`` and ``ipykernel``,
  the ``grade`` extra), with ``_submission`` (reading a submission), ``_kernel``
  (talking to its kernel) and
  :mod:`~cnn101.teaching.answers` (grading one exercise's answers);
* :mod:`cnn101.teaching.reports` and :mod:`cnn101.teaching.class_page`: the grades as
  tables, CSV files and the class report's page;
* the command line ``python -m cnn101.teaching {grade,student,answer-key,manifest}``
  (``python -m cnn101.teaching --help``).

Nothing is imported until used: ``import cnn101.teaching`` loads no submodule.

Examples
--------
>>> from cnn101.teaching import handout
>>> handout.MANIFEST_FORMAT
'cnn101-exercises-manifest'
"""
