CatalogSearch.add("t","ka",{"kaplun":[3.507,"2_"]});
