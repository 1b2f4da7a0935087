CatalogSearch.add("t","in",{"information":[10.382,"4_"],"information bottleneck":[2.118,"4_"],"initialization":[1.069,"3_"]});
