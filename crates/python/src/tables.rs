//! Tables across the boundary as polars DataFrames, column by column through the Arrow C data
//! interface: [`polars_ffi::version_0::SeriesExport`] is the struct Python polars'
//! `Series._import` takes over and `Series._export` fills (polars >= 1.28). No copy, no
//! encoding: the Arrow buffers change hands, each side's release callback frees them.

use polars::prelude::{Column, DataFrame, IntoColumn};
use polars_ffi::version_0::{export_column, import_series, SeriesExport};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyModule;

/// A table going to Python: becomes a `polars.DataFrame`.
pub(crate) struct ToPolars(pub(crate) DataFrame);

/// A table coming from Python: extracted from a `polars.DataFrame`.
pub(crate) struct FromPolars(pub(crate) DataFrame);

/// The `polars` module, imported once.
fn polars_module(py: Python<'_>) -> PyResult<&Bound<'_, PyModule>> {
    static POLARS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    POLARS
        .get_or_try_init(py, || Ok(PyModule::import(py, "polars")?.unbind()))
        .map(|m| m.bind(py))
}

impl<'py> IntoPyObject<'py> for ToPolars {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let polars = polars_module(py)?;
        let series = polars.getattr("Series")?;
        let columns = self
            .0
            .columns()
            .iter()
            .map(|column| {
                // `_import` takes the export over (its release callback frees the buffers when
                // Python is done), so it must not be released here as well: never dropped. If
                // `_import` fails, the column's buffers leak instead of being freed twice.
                let export = std::mem::ManuallyDrop::new(export_column(column));
                series.call_method1("_import", ((&raw const export).addr(),))
            })
            .collect::<PyResult<Vec<_>>>()?;
        polars.call_method1("DataFrame", (columns,))
    }
}

impl<'a, 'py> FromPyObject<'a, 'py> for FromPolars {
    type Error = PyErr;

    fn extract(table: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let width: usize = table.getattr("width")?.extract()?;
        let mut columns: Vec<Column> = Vec::with_capacity(width);
        for series in table.call_method0("get_columns")?.try_iter()? {
            let mut export = SeriesExport::empty();
            series?
                .getattr("_s")?
                .call_method1("_export", ((&raw mut export).addr(),))?;
            if export.is_null() {
                return Err(pyo3::exceptions::PyValueError::new_err(
                    "polars exported no column (polars >= 1.28 is needed)",
                ));
            }
            // SAFETY: `export` was just filled by Python polars' `Series._export`, which writes
            // a complete `SeriesExport` (schema, arrays, release callback) of one of its Series
            // at the address given; it is read once, here, and `import_series` takes it over.
            #[allow(unsafe_code)]
            let series = unsafe { import_series(export) }
                .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
            columns.push(series.into_column());
        }
        let height = columns.first().map_or(0, Column::len);
        DataFrame::new(height, columns)
            .map(FromPolars)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    }
}
