CatalogSearch.add("t","ba",{"babuschkin":[3.652,"0_"],"bansal":[3.507,"2_"],"barak":[3.507,"2_"]});
