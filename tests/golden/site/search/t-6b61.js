CatalogSearch.add("t","ka",{"kaplun":"2a"});
