"""Teacher and site tooling for the tutorials' exercises.

The student checks live in :mod:`cnn101.exercises`; this package holds what a teacher
(and the site build) does with them:

* :mod:`cnn101.teaching.handout`: the student version, the answer key and the grader's
  manifest of a tutorial notebook (works on the notebook's JSON, needs no Jupyter);
* :mod:`cnn101.teaching.grading`: runs submitted notebooks in fresh kernels and grades
  their answers against the handed-out notebook (needs ``nbclient`` and ``ipykernel``,
  the ``grade`` extra);
* the command line ``python -m cnn101.teaching {grade,student,answer-key,manifest}``
  (``python -m cnn101.teaching --help``).

Nothing is imported until used: ``import cnn101.teaching`` loads neither submodule.

Examples
--------
>>> from cnn101.teaching import handout
>>> handout.MANIFEST_FORMAT
'cnn101-exercises-manifest'
"""
