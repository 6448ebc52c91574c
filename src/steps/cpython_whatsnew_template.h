// release-tools' WHATS_NEW_TEMPLATE (run_release.py at a25ec43), the
// Doc/whatsnew/X.Y.rst a first beta starts main's next feature version
// with. Placeholders: {version} (3.15) and {prev_version} (3.14).
#pragma once

namespace relman::steps::cpython {

inline constexpr const char* kWhatsNewTemplate = R"TEMPLATE(
*****************************
  What's new in Python {version}
*****************************

:Editor: TBD

.. Rules for maintenance:

   * This is not a complete list of every single change; completeness
   is the purpose of Misc/NEWS.  The editor may remove changes they
   consider too small or esoteric to include.

   * Credit the author of a patch or bugfix.  Just the name is
   sufficient; the e-mail address isn't necessary.

   * It's helpful to add the issue number as a comment:

   XXX Describe the transmogrify() function added to the socket
   module.
   (Contributed by P.Y. Developer in :gh:`12345`.)

This article explains the new features in Python {version}, compared to {prev_version}.

For full details, see the :ref:`changelog <changelog>`.

.. note::

   Prerelease users should be aware that this document is currently in draft
   form. It will be updated substantially as Python {version} moves towards release,
   so it's worth checking back even after reading earlier versions.


Summary --- release highlights
==============================

.. This section singles out the most important changes in Python {version}.
   Brevity is key.


.. PEP-sized items next.


New features
============


Other language changes
======================


New modules
===========

* None yet.


Improved modules
================

module_name
-----------

* TODO

.. Add improved modules above alphabetically, not here at the end.


Optimizations
=============

module_name
-----------

* TODO


Removed
=======

module_name
-----------

* TODO

.. Add removals above alphabetically, not here at the end.


Deprecated
==========

New deprecations
----------------

* module_name:
  TODO

.. Add deprecations above alphabetically, not here at the end.


.. TODO .. include:: ../deprecations/pending-removal-in-3.xx.rst

.. include:: ../deprecations/pending-removal-in-future.rst


Porting to Python {version}
======================

This section lists previously described changes and other bugfixes
that may require changes to your code.


Build changes
=============


C API changes
=============

New features
------------

* TODO


Porting to Python {version}
----------------------

* TODO


Deprecated C APIs
-----------------

* TODO

.. Add C API deprecations above alphabetically, not here at the end.


Removed C APIs
--------------
)TEMPLATE";

}  // namespace relman::steps::cpython
